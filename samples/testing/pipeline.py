"""A small Hera workflow to test with pytest (see test_pipeline.py beside it).

`fetch` prints a list of numbers, `total` sums it, `report` runs only when the total is large
and `cheer` only when it is small: with the default numbers `report` runs and `cheer` is
Skipped. Run it by hand with `plait run samples/testing/pipeline.py:wf`.
"""

from hera.workflows import Steps, Workflow, script


@script()
def fetch(numbers: str):
    import json
    print(json.dumps([int(n) for n in numbers.split(",")]))


@script()
def total(values: list):
    print(sum(values))


@script()
def say(message: str):
    print(message)


with Workflow(generate_name="pipeline-", entrypoint="main",
              arguments={"numbers": "10,20,30"}) as wf:
    with Steps(name="main"):
        got = fetch(name="fetch", arguments={"numbers": "{{workflow.parameters.numbers}}"})
        summed = total(name="total", arguments={"values": got.result})
        say(name="report", arguments={"message": f"total is {summed.result}"},
            when=f"{summed.result} > 50")
        say(name="cheer", arguments={"message": "small but fine"},
            when=f"{summed.result} <= 50")
