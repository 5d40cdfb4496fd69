// "Copy" buttons (the till guide, API keys, webhook secrets).
//
//   <button type="button" data-copy-target="CSS selector" data-copied-label="Copied">Copy</button>
//   <span role="status" aria-live="polite" data-copy-status></span>   (next to the button)
//
// Copies the value of the target (an input) or its text (a <pre>, a <code>) with the
// asynchronous clipboard; where that is missing or refused (an http page, an old browser), the
// text is selected instead so that Ctrl+C / long-press copies it. The button then says
// "Copied" (or "Selected: press Ctrl+C") for a few seconds, and so does the live region, so a
// screen reader announces it. Loaded with <script defer> by the pages that use it.
(function () {
  "use strict";

  const RESET_AFTER_MS = 4000;

  function textOf(target) {
    if ("value" in target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) {
      return target.value;
    }
    return target.textContent;
  }

  function selectText(target) {
    if (target.tagName === "INPUT" || target.tagName === "TEXTAREA") {
      target.focus();
      target.select();
      return;
    }
    const range = document.createRange();
    range.selectNodeContents(target);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function statusOf(button) {
    const scope = button.parentElement;
    return scope ? scope.querySelector("[data-copy-status]") : null;
  }

  function announce(button, label) {
    if (!button.dataset.copyLabel) {
      button.dataset.copyLabel = button.textContent;
    }
    button.textContent = label;
    const status = statusOf(button);
    if (status) {
      status.textContent = label;
    }
    window.clearTimeout(Number(button.dataset.copyTimer || 0));
    button.dataset.copyTimer = String(
      window.setTimeout(() => {
        button.textContent = button.dataset.copyLabel;
        if (status) {
          status.textContent = "";
        }
      }, RESET_AFTER_MS),
    );
  }

  function fallback(button, target) {
    selectText(target);
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    const label = copied ? button.dataset.copiedLabel : button.dataset.selectedLabel;
    announce(button, label || button.dataset.copiedLabel || "");
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    const target = document.querySelector(button.dataset.copyTarget);
    if (!target) {
      return;
    }
    const text = textOf(target);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        () => announce(button, button.dataset.copiedLabel || ""),
        () => fallback(button, target),
      );
    } else {
      fallback(button, target);
    }
  });
})();
