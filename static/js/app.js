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
