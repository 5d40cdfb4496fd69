// Small progressive enhancements; every page works without this file.
document.addEventListener("keydown", (event) => {
  // Escape closes an open <details> menu (the merchant switcher).
  if (event.key === "Escape") {
    document.querySelectorAll("details[open]").forEach((el) => el.removeAttribute("open"));
  }
});
