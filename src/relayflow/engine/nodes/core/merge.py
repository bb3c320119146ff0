"""Merge (versions 2 and 3): joins the items of its inputs.

Modes: `append` (every input's items, in input order), `combine` (by matching fields, by
position, or every pair) and `chooseBranch` (the items of one input, or one empty item).
Field clashes follow `options.clashHandling`: the second input wins by default, objects merge
deeply, and `addSuffix` renames every field with `_1` / `_2`.
"""

from __future__ import annotations

import copy
from typing import Any

from relayflow.engine.errors import NodeError
from relayflow.engine.items import Item, Items, Outputs
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register
from relayflow.engine.paths import MISSING, get_path


def _deep_merge(target: Any, source: Any) -> Any:
    """`source` merged into a copy of `target`: objects key by key, arrays index by index."""
    if isinstance(target, dict) and isinstance(source, dict):
        merged = dict(target)
        for key, value in source.items():
            merged[key] = _deep_merge(target[key], value) if key in target else value
        return merged
    if isinstance(target, list) and isinstance(source, list):
        merged_list = list(target)
        for index, value in enumerate(source):
            if index < len(merged_list):
                merged_list[index] = _deep_merge(merged_list[index], value)
            else:
                merged_list.append(value)
        return merged_list
    return source


class _Clash:
    """How two items' fields are put together."""

    def __init__(self, options: dict[str, Any]) -> None:
        values = ((options.get("clashHandling") or {}).get("values")) or {}
        self.resolve = values.get("resolveClash", "preferInput2")
        self.deep = values.get("mergeMode", "deepMerge") != "shallowMerge"

    def join(self, first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
        if self.resolve == "addSuffix":
            return {
                **{f"{key}_1": value for key, value in first.items()},
                **{f"{key}_2": value for key, value in second.items()},
            }
        low, high = (second, first) if self.resolve == "preferInput1" else (first, second)
        if self.deep:
            result: dict[str, Any] = _deep_merge(copy.deepcopy(low), copy.deepcopy(high))
            return result
        return {**copy.deepcopy(low), **copy.deepcopy(high)}


def _json(item: Item) -> dict[str, Any]:
    value = item.get("json")
    return value if isinstance(value, dict) else {}


def _paired(json: dict[str, Any], *sources: tuple[int, int]) -> Item:
    pairs = [{"item": index, "input": input_index} for input_index, index in sources]
    return {"json": json, "pairedItem": pairs[0] if len(pairs) == 1 else pairs}


@register
class Merge(NodeType):
    """n8n's Merge node."""

    type_name = "n8n-nodes-base.merge"
    display_name = "Merge"

    def inputs(self, node: dict[str, Any]) -> int:
        parameters = node.get("parameters") or {}
        if float(node.get("typeVersion", 1)) >= 3 and parameters.get("mode", "append") in (
            "append",
            "chooseBranch",
        ):
            return max(2, int(parameters.get("numberInputs", 2) or 2))
        return 2

    async def execute(self, call: NodeCall) -> Outputs:
        if call.type_version < 2:
            raise NodeError(
                "Merge version 1 is not supported yet: replace the node with a current Merge node"
            )
        mode = call.raw("mode", "append")
        inputs = [call.items(index) for index in range(max(2, len(call.inputs)))]
        if mode == "append":
            return [[item for items in inputs for item in items]]
        if mode == "chooseBranch":
            return [self._choose(call, inputs)]
        if mode == "combine":
            return [self._combine(call, inputs[0], inputs[1])]
        if mode in ("combineByFields", "combineByPosition", "combineAll"):
            return [self._combine(call, inputs[0], inputs[1], mode)]
        raise NodeError(f'The Merge mode "{mode}" is not supported yet')

    def _choose(self, call: NodeCall, inputs: list[Items]) -> Items:
        output = call.raw("output", "input1")
        if output == "empty":
            return [{"json": {}}]
        if output == "specifiedInput":
            chosen = int(call.raw("useDataOfInput", 1) or 1) - 1
        else:
            chosen = 1 if output == "input2" else 0
        return inputs[chosen] if chosen < len(inputs) else []

    def _combine(self, call: NodeCall, first: Items, second: Items, mode: str = "") -> Items:
        options = call.param("options", 0, {}) or {}
        clash = _Clash(options)
        how = mode or {
            "mergeByFields": "combineByFields",
            "mergeByPosition": "combineByPosition",
            "multiplex": "combineAll",
        }.get(call.raw("combinationMode", "mergeByFields"), "")
        if how == "combineAll":
            if clash.resolve == "preferInput1":
                # n8n pairs the second input's items with each of the first's in this case.
                return [
                    _paired(clash.join(_json(a), _json(b)), (0, i), (1, j))
                    for j, b in enumerate(second)
                    for i, a in enumerate(first)
                ]
            return [
                _paired(clash.join(_json(a), _json(b)), (0, i), (1, j))
                for i, a in enumerate(first)
                for j, b in enumerate(second)
            ]
        if how == "combineByPosition":
            out: Items = []
            longest = max(len(first), len(second))
            count = longest if options.get("includeUnpaired") else min(len(first), len(second))
            for index in range(count):
                if index < len(first) and index < len(second):
                    out.append(
                        _paired(
                            clash.join(_json(first[index]), _json(second[index])),
                            (0, index),
                            (1, index),
                        )
                    )
                elif index < len(first):
                    out.append(_paired(copy.deepcopy(_json(first[index])), (0, index)))
                else:
                    out.append(_paired(copy.deepcopy(_json(second[index])), (1, index)))
            return out
        if how == "combineByFields":
            return self._by_fields(call, first, second, clash, options)
        raise NodeError(f'The Merge combination "{how}" is not supported yet')

    def _pairs(self, call: NodeCall) -> list[tuple[str, str]]:
        if call.type_version >= 3 and not call.raw("advanced", False):
            text = str(call.param("fieldsToMatchString", 0, "") or "")
            names = [name.strip() for name in text.split(",") if name.strip()]
            return [(name, name) for name in names]
        values = (call.raw("mergeByFields", {}) or {}).get("values") or []
        return [(str(entry.get("field1", "")), str(entry.get("field2", ""))) for entry in values]

    def _by_fields(
        self,
        call: NodeCall,
        first: Items,
        second: Items,
        clash: _Clash,
        options: dict[str, Any],
    ) -> Items:
        pairs = self._pairs(call)
        if not pairs or any(not a or not b for a, b in pairs):
            raise NodeError("You need to define at least one pair of fields in 'Fields to Match'")
        join = call.raw("joinMode", "keepMatches")
        output_from = call.raw("outputDataFrom", "both")
        only_first = options.get("multipleMatches", "all") == "first"
        swapped = join == "enrichInput2"
        if swapped:
            first, second = second, first
            pairs = [(b, a) for a, b in pairs]

        def key(item: Item, fields: list[str]) -> list[Any]:
            return [get_path(_json(item), field) for field in fields]

        wanted_first = [a for a, _ in pairs]
        wanted_second = [b for _, b in pairs]
        matches: dict[int, list[int]] = {}
        matched_second: set[int] = set()
        for i, a in enumerate(first):
            left = key(a, wanted_first)
            if any(value is MISSING for value in left):
                continue
            for j, b in enumerate(second):
                if key(b, wanted_second) == left:
                    matches.setdefault(i, []).append(j)
                    matched_second.add(j)
                    if only_first:
                        break
        a_index, b_index = (1, 0) if swapped else (0, 1)

        def merged(i: int, j: int) -> Item:
            return _paired(
                clash.join(_json(first[i]), _json(second[j])), (a_index, i), (b_index, j)
            )

        unmatched_first = [i for i in range(len(first)) if i not in matches]
        unmatched_second = [j for j in range(len(second)) if j not in matched_second]
        if join == "keepMatches":
            if output_from == "input1":
                return [first[i] for i in sorted(matches)]
            if output_from == "input2":
                return [second[j] for j in sorted(matched_second)]
            return [merged(i, j) for i in sorted(matches) for j in matches[i]]
        if join == "keepNonMatches":
            if output_from == "input1":
                return [first[i] for i in unmatched_first]
            if output_from == "input2":
                return [second[j] for j in unmatched_second]
            tagged = call.type_version < 2.1
            return [
                *(_source(first[i], "input1", tagged) for i in unmatched_first),
                *(_source(second[j], "input2", tagged) for j in unmatched_second),
            ]
        if join in ("enrichInput1", "enrichInput2"):
            out: Items = []
            for i in range(len(first)):
                if i in matches:
                    out.extend(merged(i, j) for j in matches[i])
                else:
                    out.append(first[i])
            return out
        if join == "keepEverything":
            out = []
            for i in range(len(first)):
                if i in matches:
                    out.extend(merged(i, j) for j in matches[i])
                else:
                    out.append(first[i])
            out.extend(second[j] for j in unmatched_second)
            return out
        raise NodeError(f'The Merge join "{join}" is not supported yet')


def _source(item: Item, name: str, tagged: bool) -> Item:
    if not tagged:
        return item
    return {**item, "json": {**_json(item), "_source": name}}
