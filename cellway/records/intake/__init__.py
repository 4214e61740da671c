"""Pure intake engines for medical records: no Django, called from background tasks.

- ``filetypes``: type a file by content; which record kinds accept it.
- ``hashing``: streaming SHA-256.
- ``archive``: read an uploaded ZIP without trusting it.
- ``dicom``: headers, study/series grouping, previews, DICOMDIR.
- ``synthetic``: generated MR studies for tests and benchmarks.
"""
