"""The workflow engine: runs n8n's workflow JSON.

Pure: it knows nothing of HTTP or SQL. It is given a workflow, a way to read credentials and
an expression evaluator, and it returns n8n's run data (`resultData.runData`, per node and run).
"""
