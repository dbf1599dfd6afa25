"""target-bronze: the one load path into bronze.

Every record version a tap (or, later, a webhook receiver) produces is written to a
stage file (gzip JSON lines, local folder or S3) and then loaded append-only into
``bronze.<source>__<stream>`` with load history, so loading a file twice is a no-op.
"""

from target_bronze.api import load_records
from target_bronze.rows import BRONZE_COLUMNS, bronze_table_name

__all__ = ["BRONZE_COLUMNS", "bronze_table_name", "load_records"]
