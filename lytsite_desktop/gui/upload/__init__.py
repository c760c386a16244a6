"""The Upload tab: dropped files, their queue, and publishing them."""
