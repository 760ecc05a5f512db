# STUB: placeholder; the cli branch replaces this file.
