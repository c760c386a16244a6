"""The Gallery tab: published projects shown as the client will see them."""
