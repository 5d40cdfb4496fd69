// Small progressive enhancements; every page works without this file. The
// Content-Security-Policy allows no inline script or event handler: behaviour lives here,
// attached by delegation so that parts swapped in by htmx behave the same.
document.addEventListener("keydown", (event) => {
  // Escape closes an open <details> menu (the merchant switcher).
  if (event.key === "Escape") {
    document.querySelectorAll("details[open]").forEach((el) => el.removeAttribute("open"));
  }
});

// <input data-select-on-focus>: a key or secret to copy is selected whole when focused.
document.addEventListener("focusin", (event) => {
  const field = event.target.closest && event.target.closest("[data-select-on-focus]");
  if (field) {
    field.select();
  }
});

// <button data-copy="element-id">: copies that field's value to the clipboard.
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-copy]");
  if (!button) {
    return;
  }
  const field = document.getElementById(button.dataset.copy);
  if (field && navigator.clipboard) {
    navigator.clipboard.writeText(field.value);
  }
});

// <button data-print>: the browser's print dialog (the monthly report; "Save as PDF" there).
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-print]");
  if (button) window.print();
});

// <form data-autosubmit>: submitted as soon as it is on the page, and again after each htmx
// swap (the message template preview posts its draft into the email's sandboxed iframe).
function submitAutoForms() {
  document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  });
}
document.addEventListener("DOMContentLoaded", submitAutoForms);
document.addEventListener("htmx:afterSettle", submitAutoForms);

// Accessibility (issue 17): after a failed submission the focus moves to the form's error
// summary (portal/_error_summary.html), on load and when an htmx swap brings one, so that a
// screen reader reads it and Tab goes on to the first field. A summary is focused once
// (data-focused): a later swap elsewhere on the page (the reward preview) leaves the focus be.
function focusErrorSummary() {
  const summary = document.querySelector(".error-summary[tabindex]:not([data-focused])");
  if (!summary) return;
  summary.dataset.focused = "";
  summary.focus();
}
document.addEventListener("DOMContentLoaded", focusErrorSummary);
document.addEventListener("htmx:afterSettle", focusErrorSummary);

// A summary's link moves the focus into its field too, not only the scroll position.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
  const field = link && document.getElementById(link.getAttribute("href").slice(1));
  if (field) {
    event.preventDefault();
    field.focus();
  }
});

// Accessibility (issue 17): a table too wide for the screen scrolls in its .table-wrap; such a
// box takes the keyboard focus (Tab, then the arrow keys scroll it), named after the table's
// caption when it has one. A box that fits, or whose links and buttons already take the focus
// (and scroll it along), is left out of the Tab order.
const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
function focusableScrollBoxes() {
  document.querySelectorAll(".table-wrap").forEach((box) => {
    if (box.scrollWidth > box.clientWidth + 1 && !box.querySelector(FOCUSABLE)) {
      box.tabIndex = 0;
      const caption = box.querySelector("caption");
      if (caption && !box.hasAttribute("aria-label")) {
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption.textContent.trim());
      }
    } else if (box.getAttribute("tabindex") === "0") {
      box.removeAttribute("tabindex");
    }
  });
}
document.addEventListener("DOMContentLoaded", focusableScrollBoxes);
document.addEventListener("htmx:afterSettle", focusableScrollBoxes);
window.addEventListener("resize", focusableScrollBoxes);
