// Runs Code / Function / Function Item node code. Loaded after prelude.js.
//
// `start(request)` begins a run and returns its id; `take(id)` answers "pending" until the
// run settles, then its JSON result. Code without `await` runs to the end inside `start`.
var __rfCode = (function () {
  "use strict";

  const AsyncFunction = async function () {}.constructor;
  const PARAMS = [
    "$", "$input", "$json", "$binary", "$node", "$items", "$item", "$prevNode", "$runIndex",
    "$itemIndex", "$workflow", "$execution", "$vars", "$parameter", "$if", "$ifEmpty", "$min",
    "$max", "$now", "$today", "DateTime", "Duration", "Interval", "items", "item", "console",
    "getBinaryData", "setBinaryData",
  ];
  const compiled = new Map();
  const settled = new Map();
  let nextId = 0;

  function compile(code) {
    let fn = compiled.get(code);
    if (fn === undefined) {
      const isAsync = /\bawait\b/.test(code);
      fn = isAsync ? new AsyncFunction(...PARAMS, code) : new Function(...PARAMS, code);
      if (compiled.size > 200) compiled.clear();
      compiled.set(code, fn);
    }
    return fn;
  }

  function makeConsole(logs) {
    const log = (...args) => {
      if (logs.length < 100) {
        logs.push(args.map((arg) => (typeof arg === "string" ? arg : safeJson(arg))).join(" "));
      }
    };
    return { log, info: log, warn: log, error: log, debug: log };
  }

  function safeJson(value) {
    try {
      return JSON.stringify(value);
    } catch (error) {
      return String(value);
    }
  }

  function args(vars, extra, logs) {
    const values = {
      $: vars.$,
      $input: vars.$input,
      $json: vars.$json,
      $binary: vars.$binary,
      $node: vars.$node,
      $items: vars.$items,
      $item: vars.$item,
      $prevNode: vars.$prevNode,
      $runIndex: vars.$runIndex,
      $itemIndex: vars.$itemIndex,
      $workflow: vars.$workflow,
      $execution: vars.$execution,
      $vars: vars.$vars,
      $parameter: vars.$parameter,
      console: makeConsole(logs),
    };
    Object.assign(values, __rf.helpers);
    if (typeof luxon !== "undefined") {
      values.$now = vars.$now;
      values.$today = vars.$today;
      values.DateTime = luxon.DateTime;
      values.Duration = luxon.Duration;
      values.Interval = luxon.Interval;
    }
    Object.assign(values, extra);
    return PARAMS.map((name) => values[name]);
  }

  function isThenable(value) {
    return value !== null && typeof value === "object" && typeof value.then === "function";
  }

  // Per kind: how the code is called, and for which items.
  function runAll(request, fn, logs) {
    const scope = request.scope;
    return fn(...args(new __rf.Vars(scope, 0), { items: scope.items }, logs));
  }

  function runOne(request, fn, logs, index) {
    const scope = request.scope;
    const item = scope.items[index];
    let extra;
    if (request.kind === "functionItem") {
      const binary = { value: item.binary };
      extra = {
        item: item.json,
        getBinaryData: () => binary.value,
        setBinaryData: (data) => {
          binary.value = data;
          item.binary = data;
        },
      };
    } else {
      extra = { item: item };
    }
    return fn(...args(new __rf.Vars(scope, index), extra, logs));
  }

  function eachItem(request, fn, logs) {
    const results = [];
    const count = request.scope.items.length;
    if (!fn.constructor || fn.constructor !== AsyncFunction) {
      for (let index = 0; index < count; index += 1) {
        results.push(withItem(index, () => runOne(request, fn, logs, index)));
      }
      return results;
    }
    return (async () => {
      for (let index = 0; index < count; index += 1) {
        results.push(await withItemAsync(index, () => runOne(request, fn, logs, index)));
      }
      return results;
    })();
  }

  function withItem(index, run) {
    try {
      return run();
    } catch (error) {
      throw tagItem(error, index);
    }
  }

  async function withItemAsync(index, run) {
    try {
      return await run();
    } catch (error) {
      throw tagItem(error, index);
    }
  }

  function tagItem(error, index) {
    if (error !== null && typeof error === "object") {
      try {
        error.__item = index;
      } catch (ignored) {
        // frozen error objects keep no item index
      }
    }
    return error;
  }

  function failure(error) {
    const described = __rf.describe(error);
    if (error !== null && typeof error === "object" && typeof error.__item === "number") {
      described.item = error.__item;
    }
    const line = lineOf(error);
    if (line !== undefined) described.line = line;
    return described;
  }

  function lineOf(error) {
    const stack = error && typeof error.stack === "string" ? error.stack : "";
    // The user's frame: "at eval (eval at compile (...), <anonymous>:LINE:COLUMN)".
    const match = /\(eval at [^\n]*?, <anonymous>:(\d+):\d+\)/.exec(stack);
    // The compiled function's header takes two lines before the user's first line.
    return match ? Number(match[1]) - 2 : undefined;
  }

  function finish(id, logs, result) {
    let text;
    try {
      text = JSON.stringify({ value: result === undefined ? null : result, logs: logs });
    } catch (error) {
      text = JSON.stringify({ error: { message: "Code returned data that is not JSON: " + error.message }, logs });
    }
    settled.set(id, text);
  }

  function start(request) {
    const id = nextId++;
    const logs = [];
    try {
      const fn = compile(request.code);
      const each = request.kind === "each" || request.kind === "functionItem";
      const result = each ? eachItem(request, fn, logs) : runAll(request, fn, logs);
      if (isThenable(result)) {
        result.then(
          (value) => finish(id, logs, value),
          (error) => settled.set(id, JSON.stringify({ error: failure(error), logs })),
        );
      } else {
        finish(id, logs, result);
      }
    } catch (error) {
      settled.set(id, JSON.stringify({ error: failure(error), logs }));
    }
    return JSON.stringify(id);
  }

  function take(id) {
    const text = settled.get(id);
    if (text === undefined) return "pending";
    settled.delete(id);
    return text;
  }

  function drop(id) {
    settled.delete(id);
  }

  return { start, take, drop };
})();
