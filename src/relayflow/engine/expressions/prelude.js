// Support code for n8n expressions and Code nodes, loaded once into each V8 context.
//
// `scope` (the JSON sent from Python for one node run) has: items (input items, or null
// with `item` + `itemIndex` when only one is needed), runData ({node: [{source, main}]},
// absent when the expression does not read other nodes), nodes (names of the workflow's
// nodes, or null when unknown), params ({node: parameters}), node, runIndex, source,
// workflow, execution, vars, parameter, timezone.
var __rf = (function () {
  "use strict";

  const UNEXECUTED =
    "An expression references the node '%s', but it hasn't been executed yet. " +
    "Either change the expression, or re-wire your workflow to make sure that node executes first.";

  class ExpressionFailure extends Error {
    constructor(message, description) {
      super(message);
      this.name = "ExpressionError";
      this.description = description;
    }
  }

  function fail(message, description) {
    throw new ExpressionFailure(message, description);
  }

  function describe(error) {
    if (error instanceof Error) {
      const described = { message: error.message || String(error), type: error.name };
      if (error.description) described.description = error.description;
      return described;
    }
    return { message: String(error), type: "Error" };
  }

  // ----- reading run data -------------------------------------------------------------

  function runsOf(scope, name) {
    if (!scope.runData) fail("Internal error: run data was not sent for this expression");
    const runs = scope.runData[name];
    if (!runs || runs.length === 0) {
      checkExists(scope, name);
      fail("Referenced node is unexecuted", UNEXECUTED.replace("%s", name));
    }
    return runs;
  }

  function checkExists(scope, name) {
    if (scope.nodes && !scope.nodes.includes(name)) {
      fail("Referenced node doesn't exist", `There is no node called '${name}' in this workflow`);
    }
  }

  function outputItems(scope, name, output, run) {
    const runs = runsOf(scope, name);
    const task = runs[run === undefined || run < 0 ? runs.length - 1 : run];
    if (!task) fail(`Run ${run} of node '${name}' not found`);
    return (task.main && task.main[output || 0]) || [];
  }

  function pairedRef(pairedItem, fallback) {
    if (pairedItem === undefined || pairedItem === null) return { item: fallback, input: 0 };
    if (typeof pairedItem === "number") return { item: pairedItem, input: 0 };
    if (Array.isArray(pairedItem)) {
      return pairedItem.length ? pairedRef(pairedItem[0], fallback) : { item: fallback, input: 0 };
    }
    return { item: pairedItem.item ?? fallback, input: pairedItem.input ?? 0 };
  }

  // The item of node `target` that input item `index` of this node derives from: follow
  // each item's pairedItem back through each task's source.
  function pairedItemOf(scope, target, index) {
    runsOf(scope, target);
    let source = scope.source && scope.source[0];
    let itemIndex = index;
    for (let step = 0; step < 10000; step += 1) {
      if (!source) {
        fail("Can't get data for expression", `No path back to node '${target}'`);
      }
      const name = source.previousNode;
      const runs = scope.runData[name] || [];
      const run = source.previousNodeRun ?? runs.length - 1;
      const task = runs[run];
      const items = (task && task.main && task.main[source.previousNodeOutput || 0]) || [];
      const item = items[itemIndex];
      if (item === undefined) {
        fail(
          "Can't get data for expression",
          `Paired item data for item from node '${name}' is unavailable. ` +
            `Ensure '${name}' is providing the required output.`,
        );
      }
      if (name === target) return item;
      const ref = pairedRef(item.pairedItem, itemIndex);
      source = task.source && task.source[ref.input];
      itemIndex = ref.item;
    }
    fail("Can't get data for expression", `No path back to node '${target}'`);
  }

  function nodeAccessor(scope, name, index) {
    checkExists(scope, name);
    const fromSource = scope.source && scope.source[0] && scope.source[0].previousNode === name;
    const defaultOutput = fromSource ? scope.source[0].previousNodeOutput || 0 : 0;
    const all = (output, run) =>
      outputItems(scope, name, output === undefined ? defaultOutput : output, run);
    return {
      get item() {
        return pairedItemOf(scope, name, index);
      },
      itemMatching: (itemIndex) => pairedItemOf(scope, name, itemIndex),
      pairedItem: (itemIndex) => pairedItemOf(scope, name, itemIndex ?? index),
      all: all,
      first: (output, run) => all(output, run)[0],
      last: (output, run) => {
        const items = all(output, run);
        return items[items.length - 1];
      },
      get isExecuted() {
        return Boolean(scope.runData && scope.runData[name] && scope.runData[name].length);
      },
      get params() {
        return (scope.params && scope.params[name]) || {};
      },
    };
  }

  // `$node["Name"]`: item `index` of the node's output 0 in its last run (its only item
  // when it has one).
  function legacyNode(scope, name, index) {
    const runs = runsOf(scope, name);
    const items = outputItems(scope, name, 0);
    const at = items.length === 1 ? 0 : index;
    const item = () => {
      if (at >= items.length) fail(`No data found for item-index: "${index}"`);
      return items[at];
    };
    return {
      get json() {
        return item().json;
      },
      get binary() {
        return item().binary || {};
      },
      get data() {
        return item().json;
      },
      get parameter() {
        return (scope.params && scope.params[name]) || {};
      },
      runIndex: runs.length - 1,
      context: {},
    };
  }

  // ----- dates (Luxon, when bundled) --------------------------------------------------

  function luxonOrFail() {
    if (typeof luxon === "undefined") {
      fail(
        "Date helpers are not available yet",
        "$now, $today, DateTime, Duration and Interval need Luxon, which is not loaded",
      );
    }
    return luxon;
  }

  function now(scope) {
    return luxonOrFail().DateTime.now().setZone(scope.timezone || "UTC");
  }

  // ----- the variables of one item ----------------------------------------------------

  function isEmpty(value) {
    if (value === undefined || value === null || value === "") return true;
    if (Array.isArray(value)) return value.length === 0;
    if (typeof value === "object") return Object.keys(value).length === 0;
    return false;
  }

  const helpers = {
    $if: (condition, whenTrue, whenFalse) => (condition ? whenTrue : whenFalse),
    $ifEmpty: (value, fallback) => (isEmpty(value) ? fallback : value),
    $min: (...values) => Math.min(...values),
    $max: (...values) => Math.max(...values),
  };

  class Vars {
    constructor(scope, index) {
      this.scope = scope;
      this.index = index;
    }
    inputItem(index) {
      const scope = this.scope;
      if (scope.items) return scope.items[index];
      return index === scope.itemIndex ? scope.item : undefined;
    }
    inputItems() {
      if (!this.scope.items) fail("Internal error: input items were not sent for this expression");
      return this.scope.items;
    }
    get $json() {
      const item = this.inputItem(this.index);
      return item ? item.json : {};
    }
    get $binary() {
      const item = this.inputItem(this.index);
      return (item && item.binary) || {};
    }
    get $input() {
      const self = this;
      return {
        get item() {
          return self.inputItem(self.index);
        },
        all: () => self.inputItems(),
        first: () => self.inputItems()[0],
        last: () => {
          const items = self.inputItems();
          return items[items.length - 1];
        },
        params: self.scope.parameter,
      };
    }
    get $() {
      return (name) => nodeAccessor(this.scope, String(name), this.index);
    }
    get $node() {
      const scope = this.scope;
      const index = this.index;
      return new Proxy(
        {},
        { get: (_target, name) => (typeof name === "string" ? legacyNode(scope, name, index) : undefined) },
      );
    }
    get $items() {
      return (name, output, run) =>
        name === undefined ? this.inputItems() : outputItems(this.scope, String(name), output, run);
    }
    get $item() {
      return (index) => new Vars(this.scope, index);
    }
    get $prevNode() {
      const source = (this.scope.source && this.scope.source[0]) || {};
      return {
        name: source.previousNode,
        outputIndex: source.previousNodeOutput || 0,
        runIndex: source.previousNodeRun || 0,
      };
    }
    get $itemIndex() {
      return this.index;
    }
    get $runIndex() {
      return this.scope.runIndex;
    }
    get $workflow() {
      return this.scope.workflow;
    }
    get $execution() {
      const execution = this.scope.execution || {};
      const customData = execution.customData || {};
      return {
        id: execution.id,
        mode: execution.mode,
        customData: {
          get: (key) => customData[key],
          getAll: () => Object.assign({}, customData),
          set: () => fail("Custom data can only be set in a Code node"),
          setAll: () => fail("Custom data can only be set in a Code node"),
        },
      };
    }
    get $vars() {
      return this.scope.vars || {};
    }
    get $parameter() {
      return this.scope.parameter || {};
    }
    get $env() {
      return fail("access to env vars denied");
    }
    get $now() {
      return now(this.scope);
    }
    get $today() {
      return now(this.scope).startOf("day");
    }
    get DateTime() {
      return luxonOrFail().DateTime;
    }
    get Duration() {
      return luxonOrFail().Duration;
    }
    get Interval() {
      return luxonOrFail().Interval;
    }
  }

  const NAMES = [
    "$json", "$binary", "$input", "$", "$node", "$items", "$item", "$prevNode", "$itemIndex",
    "$runIndex", "$workflow", "$execution", "$vars", "$parameter", "$env", "$now", "$today",
    "DateTime", "Duration", "Interval",
  ];
  for (const name of Object.keys(helpers)) Object.defineProperty(globalThis, name, { value: helpers[name] });

  // Expressions read their variables from globals bound to the item being evaluated.
  let current = null;
  for (const name of NAMES) {
    Object.defineProperty(globalThis, name, {
      get: () => (current ? current[name] : undefined),
      configurable: false,
    });
  }

  // ----- expressions ------------------------------------------------------------------

  const compiled = [];

  function define(sources) {
    for (const source of sources) {
      try {
        compiled.push(new Function(source));
      } catch (error) {
        const described = describe(error);
        compiled.push(() => fail("invalid syntax", described.message));
      }
    }
  }

  function text(value) {
    return value === undefined || value === null ? "" : String(value);
  }

  function plain(value) {
    if (value === undefined || typeof value === "function" || typeof value === "symbol") return null;
    if (typeof value === "bigint") return value.toString();
    return value;
  }

  // One call: define new templates, then evaluate `expressions` for items from..from+count.
  function evaluate(request) {
    if (request.base !== compiled.length) {
      return JSON.stringify({ desync: compiled.length });
    }
    define(request.define);
    const scope = request.scope;
    const rows = [];
    let index = request.from;
    try {
      for (; index < request.from + request.count; index += 1) {
        current = new Vars(scope, index);
        const row = [];
        for (const id of request.expressions) row.push(plain(compiled[id]()));
        rows.push(row);
      }
      return JSON.stringify({ values: rows });
    } catch (error) {
      return JSON.stringify({ error: Object.assign(describe(error), { item: index }) });
    } finally {
      current = null;
    }
  }

  return { evaluate, text, fail, describe, Vars, helpers, ExpressionFailure };
})();
