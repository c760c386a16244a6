"""A batch's end says why its files failed, each reason once with how many, also
for a file that failed before its batch knew it (a refusal is that fast)."""

from __future__ import annotations

from lytsite_desktop.core.batches import Batch, Batches
from lytsite_desktop.core.events import BatchDone, Event, FileDone, FileFailed


def summary(batch: Batch) -> BatchDone:
    return BatchDone(published=0, failed=len(batch.tasks), cancelled=0, bytes_sent=0,
                     interrupted=False)  # fmt: skip


def failed(task: int, reason: str) -> FileFailed:
    return FileFailed(task=task, dest="s3://b", project="p", rel_path=f"{task}.jpg", reason=reason)


def test_a_batch_counts_its_failures_by_reason_the_commonest_first():
    emitted: list[Event] = []
    batches = Batches(summary, emitted.append)
    refused = "The storage service rejected the access keys."
    early = batches.start("s3://b", "p")
    batches(failed(1, refused))  # before the batch joined its files
    batches.join(early, [1, 2, 3, 4], final=lambda task: task == 1)
    batches(failed(2, refused))
    batches(failed(3, "it vanished"))
    batches(FileDone(task=4, dest="s3://b", project="p", rel_path="4.jpg", key="k", size=1,
                     already_published=False, bytes_sent=1))  # fmt: skip
    [done] = [e for e in emitted if isinstance(e, BatchDone)]
    assert done.failures == ((refused, 2), ("it vanished", 1))

    later = batches.start("s3://b", "p")  # a retry of one of them, which now succeeds
    batches.join(later, [3], final=lambda task: False)
    batches(FileDone(task=3, dest="s3://b", project="p", rel_path="3.jpg", key="k", size=1,
                     already_published=False, bytes_sent=1))  # fmt: skip
    assert [e for e in emitted if isinstance(e, BatchDone)][-1].failures == ()
