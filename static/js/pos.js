// The POS page: keypad, scanner and camera, Escape back to the search, focus after each swap.
// Everything also works without this file (plain forms and links); it only saves taps.
(function () {
  "use strict";

  function search() {
    return document.getElementById("pos-q");
  }

  function backToSearch() {
    var panel = document.getElementById("pos-panel");
    var start = document.getElementById("pos-start-template");
    if (panel && start) {
      panel.replaceChildren(start.content.cloneNode(true));
      if (window.htmx) window.htmx.process(panel);
    }
    var field = search();
    if (field) {
      field.value = "";
      field.focus();
    }
  }

  // Form errors (422), refusals (403), conflicts (409) and throttling (429) carry a panel
  // that says why: show it instead of dropping it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 422 || status === 403 || status === 409 || status === 429) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After a swap, the next thing to do has the focus: the amount, the confirmation, "Next".
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "pos-panel") return;
    var invalid = target.querySelector("[aria-invalid=true], .has-error input");
    var next = invalid || target.querySelector("[data-pos-focus]");
    if (next) next.focus();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && search()) {
      event.preventDefault();
      stopCamera();
      backToSearch();
    }
  });

  document.addEventListener("click", function (event) {
    var reset = event.target.closest("[data-pos-reset]");
    if (reset && search()) {
      event.preventDefault();
      backToSearch();
      return;
    }
    var key = event.target.closest("[data-key]");
    if (key) {
      var form = key.closest("form");
      var amount = form && form.querySelector("input[name=amount]");
      if (!amount) return;
      var value = amount.value;
      var pressed = key.getAttribute("data-key");
      if (pressed === "back") value = value.slice(0, -1);
      else if (pressed === "." && (value.indexOf(".") >= 0 || value.indexOf(",") >= 0)) return;
      else value = value + pressed;
      amount.value = value;
    }
  });

  // The camera: BarcodeDetector where the browser has it (Chrome on Android, tablets).
  var stream = null;
  var scanning = false;

  function stopCamera() {
    scanning = false;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    var box = document.querySelector("[data-pos-camera]");
    if (box) box.hidden = true;
  }

  async function startCamera() {
    var box = document.querySelector("[data-pos-camera]");
    var video = box && box.querySelector("video");
    if (!video) return;
    var detector = new window.BarcodeDetector({ formats: ["qr_code", "code_128", "ean_13"] });
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    box.hidden = false;
    await video.play();
    scanning = true;
    while (scanning) {
      var codes = await detector.detect(video).catch(function () { return []; });
      if (codes.length) {
        var field = search();
        field.value = codes[0].rawValue;
        stopCamera();
        field.form.requestSubmit();
        return;
      }
      await new Promise(function (resolve) { setTimeout(resolve, 250); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var scan = document.querySelector("[data-pos-scan]");
    if (scan && "BarcodeDetector" in window && navigator.mediaDevices) {
      scan.hidden = false;
      scan.addEventListener("click", function () {
        startCamera().catch(stopCamera);
      });
    }
    var stop = document.querySelector("[data-pos-scan-stop]");
    if (stop) stop.addEventListener("click", stopCamera);
    var field = search();
    if (field) field.select();
  });

})();
