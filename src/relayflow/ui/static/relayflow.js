// Relayflow's web UI: small progressive enhancements. Every page works without them.
"use strict";

(function () {
  function copyText(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value).then(
        function () { return true; },
        function () { return legacyCopy(field); }
      );
    }
    return Promise.resolve(legacyCopy(field));
  }

  function legacyCopy(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  // Copy buttons next to read-only fields (a new API key, an invitation link).
  function setUpCopyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.dataset.copy);
      var status = document.querySelector('[data-copy-status="' + button.dataset.copy + '"]');
      var label = button.querySelector("[data-copy-label]");
      if (!field) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(field).then(function (copied) {
          if (status) {
            status.textContent = copied ? "Copied to the clipboard." : "Select the text and copy it.";
          }
          if (copied && label) {
            label.textContent = "Copied";
            window.setTimeout(function () { label.textContent = "Copy"; }, 2000);
          }
        });
      });
      field.addEventListener("focus", function () { field.select(); });
    });
  }

  // "Select all" per scope group, with the mixed state when only some are checked.
  function setUpScopeGroups() {
    document.querySelectorAll("[data-scope-group]").forEach(function (group) {
      var toggle = group.querySelector("[data-select-all]");
      var all = toggle && toggle.querySelector("input");
      var boxes = Array.prototype.slice.call(group.querySelectorAll('input[name="scopes"]'));
      if (!all || boxes.length === 0) return;
      function sync() {
        var checked = boxes.filter(function (box) { return box.checked; }).length;
        all.checked = checked === boxes.length;
        all.indeterminate = checked > 0 && checked < boxes.length;
      }
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
        sync();
      });
      boxes.forEach(function (box) { box.addEventListener("change", sync); });
      toggle.hidden = false;
      sync();
    });
  }

  // The custom date appears only when "Custom date" is chosen.
  function setUpExpiry() {
    var select = document.querySelector("[data-expiry]");
    var custom = document.querySelector("[data-custom-expiry]");
    if (!select || !custom) return;
    var input = custom.querySelector("input");
    function sync() {
      var chosen = select.value === "custom";
      custom.hidden = !chosen;
      input.required = chosen;
    }
    select.addEventListener("change", function () {
      sync();
      if (select.value === "custom") input.focus();
    });
    sync();
  }

  function start() {
    setUpCopyButtons();
    setUpScopeGroups();
    setUpExpiry();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
