"""Control flow (PL401–PL418, PL115–PL116): steps, DAGs, loops and recursion planted into
Argo's own examples."""

from tests.mutations.base import Mutation

MUTATIONS = [
    # §19.4 step names: pattern, uniqueness across the whole steps template
    Mutation("§19.4", "PL401", "steps.yaml", "- - name: hello1", "- - name: hello_1", 12, 15),
    Mutation("§19.4", "PL402", "steps.yaml", "- name: hello2b", "- name: hello1", 20, 15),
    # §19.5 task names: pattern, leading digit with depends, uniqueness
    Mutation("§19.5", "PL403", "dag-diamond.yaml", "- name: D\n", "- name: 4d\n", 32, 15),
    Mutation("§19.5", "PL403", "dag-multiroot.yaml", "- name: B\n", "- name: B.2\n", 27, 15),
    Mutation("§19.5", "PL404", "dag-diamond.yaml", "- name: C\n", "- name: B\n", 27, 15),
    # §19.41/§19.50 loops: one loop only, withSequence shape, withItems element types
    Mutation("§19.41", "PL405", "loops.yaml", "        withItems:\n",
             "        withParam: '[\"a\"]'\n        withItems:\n", 17, 9),
    Mutation("§19.41", "PL406", "loops-sequence.yaml", 'count: "5"\n',
             'count: "5"\n          end: "9"\n', 25, 11),
    Mutation("§19.41", "PL407", "loops.yaml", "- goodbye world", "- ~", 18, 11),
    Mutation("§19.50", "PL405", "dag-diamond.yaml", '        depends: "B && C"\n',
             '        depends: "B && C"\n        withItems: [1]\n        withSequence: {count: "2"}\n',
             35, 9),
    # issue: invalid withSequence (negative count, non-integer, bad format)
    Mutation("item: invalid withSequence", "PL406", "loops-sequence.yaml", 'count: "5"', 'count: "-5"',
             24, 18),
    Mutation("item: invalid withSequence", "PL406", "loops-sequence.yaml", 'start: "100"',
             'start: "one hundred"', 34, 18),
    Mutation("item: invalid withSequence", "PL406", "loops-sequence.yaml", 'end: "0"',
             'end: "0"\n          format: "%s"', 58, 19),
    # issue: literal withParam that is not a JSON list; empty literal loops are an info
    Mutation("item: withParam not a JSON list", "PL408", "parallelism-nested-workflow.yaml",
             'withParam: "[1, 2]"', 'withParam: "1, 2"', 45, 20),
    Mutation("item: empty withItems", "PL409", "loops.yaml",
             "        withItems:\n        - hello world\n        - goodbye world\n",
             "        withItems: []\n", 16, 20),
    # §19.44 a DAG has a task (`steps: []` is PL512, a template without a body)
    Mutation("§19.44", "PL410", "dag-diamond.yaml", "  - name: echo\n",
             "  - name: nothing\n    dag:\n      tasks: []\n  - name: echo\n", 40, 14),
    # §19.45 unknown dependency (did-you-mean), cycles
    Mutation("§19.45", "PL411", "dag-diamond.yaml", 'depends: "B && C"', 'depends: "B && c"', 33, 24),
    Mutation("§19.45", "PL411", "ci-workflowtemplate.yaml", "              - cache-restore\n",
             "              - cache-restor\n", 43, 17),
    Mutation("§19.45", "PL412", "dag-diamond.yaml", "template: echo\n        arguments:\n"
             "          parameters: [{name: message, value: A}]",
             "template: echo\n        depends: D\n        arguments:\n"
             "          parameters: [{name: message, value: A}]", 20, 18),
    # §19.46 not both depends and dependencies; no continueOn with depends
    Mutation("§19.46", "PL413", "ci-workflowtemplate.yaml", "            dependencies:\n              - deps\n",
             "            depends: deps\n", 41, 13),
    Mutation("§19.46", "PL414", "dag-continue-on-fail.yaml", "        template: intentional-fail\n",
             "        template: intentional-fail\n        continueOn: {failed: true}\n", 18, 9),
    # §19.47 depends parses; results known (did-you-mean); loop results on looped tasks only
    Mutation("§19.47", "PL115", "dag-diamond.yaml", 'depends: "B && C"', 'depends: "B & C"', 33, 21),
    Mutation("§19.47", "PL116", "dag-continue-on-fail.yaml", '"B.Failed && C"', '"B.Fialed && C"',
             22, 21),
    Mutation("§19.47", "PL415", "dag-enhanced-depends.yaml", "depends: B || C", "depends: B.AnySucceeded || C",
             23, 24),
    Mutation("§19.47", "PL411", "dag-enhanced-depends.yaml", "depends: B && C", "depends: B && X", 26, 27),
    # §19.48 dag target names exist
    Mutation("§19.48", "PL416", "dag-targets.yaml", 'target: "{{workflow.parameters.target}}"',
             'target: "E F"', 33, 18),
    # issue: recursion with no `when` that could stop it; templates nobody calls
    Mutation("item: unguarded recursion", "PL417", "coinflip-recursive.yaml",
             '        template: coinflip\n        when: "{{steps.flip-coin.outputs.result}} == tails"\n',
             "        template: coinflip\n", 21, 19),
    Mutation("item: unused template", "PL418", "coinflip.yaml", "template: heads", "template: tails", 36, 11),
    Mutation("item: DAG display names", None,
             reason="not checked: a valid task name (≤128 characters of [-a-zA-Z0-9]) fails the "
                    "display-name pattern only when longer than 63, and what Argo does then is "
                    "not certain from the spec"),
]
