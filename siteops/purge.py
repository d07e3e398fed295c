"""Deleting expired rows in bounded batches, so housekeeping never locks a hot table for long."""
import time


def purge_in_batches(db, model, condition, batch_size=1000, max_batches=1000, pause=0.0):
    """Delete rows of ``model`` matching ``condition``, ``batch_size`` at a time, each batch its
    own short transaction. Returns how many rows went."""
    total = 0
    for _ in range(max_batches):
        ids = db.session.execute(db.select(model.id).where(condition).limit(batch_size)).scalars().all()
        if not ids:
            break
        total += db.session.execute(db.delete(model).where(model.id.in_(ids))).rowcount
        db.session.commit()
        if len(ids) < batch_size:
            break
        if pause:
            time.sleep(pause)
    return total
