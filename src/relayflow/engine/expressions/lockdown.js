// Loaded last into the contexts that evaluate expressions: nothing an expression starts may
// run after its call returns. Timers and finalisation callbacks would run later, outside
// any time limit, so they are removed; promise jobs are settled by the worker after each
// call, within the limit.
(function () {
  "use strict";
  for (const name of [
    "setTimeout",
    "setInterval",
    "clearTimeout",
    "clearInterval",
    "queueMicrotask",
    "FinalizationRegistry",
    "WeakRef",
    "WebAssembly",
    "Atomics",
    "SharedArrayBuffer",
  ]) {
    try {
      delete globalThis[name];
    } catch (error) {
      globalThis[name] = undefined;
    }
  }
})();
