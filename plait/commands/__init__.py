"""The `plait` verbs, one module per family; `plait/cli.py` parses the arguments and imports
only the module of the verb it runs (so `plait check` never loads the runtime).

- `check`: check, lint, explain, schema
- `compile`: compile
- `dot`: dot (a workflow's plan, or a stored run coloured by phase)
- `run`: run, submit
- `runs`: list, get, watch, logs (and the waiting and `get` view the others reuse)
- `logs`: what `plait logs` prints (its flags as `argo logs`' and `-f`); `runs` parses NAME
- `control`: stop, terminate, delete, retry, resubmit, resume (`plait.runtime.control`)
"""
