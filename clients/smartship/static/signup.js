// Done stays disabled until every required agreement is checked; "Agree to all" checks them all.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("linked-signup");
  if (!form) return;
  var all = form.querySelector("[data-agree-all]");
  var required = Array.prototype.slice.call(form.querySelectorAll("[data-required-agreement]"));
  var items = required.concat(Array.prototype.slice.call(form.querySelectorAll("[data-optional-agreement]")));
  var done = form.querySelector("[data-done]");
  function refresh() {
    done.disabled = !required.every(function (box) { return box.checked; });
    all.checked = items.every(function (box) { return box.checked; });
  }
  all.addEventListener("change", function () {
    items.forEach(function (box) { box.checked = all.checked; });
    refresh();
  });
  items.forEach(function (box) { box.addEventListener("change", refresh); });
  // busy.js re-enabled the buttons (the page came back from the browser's cache): check again.
  form.addEventListener("busy-form-reset", refresh);
  // Enter in a text field means Done, not the first button in the form (Password Reset).
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT" || event.target.type === "checkbox") return;
    event.preventDefault();
    if (!done.disabled) done.click();
  });
  refresh();
});

// Show only the part of the form for the chosen registration type.
document.addEventListener("DOMContentLoaded", function () {
  var radios = document.querySelectorAll("[data-registration-type]");
  if (!radios.length) return;
  function show() {
    var chosen = document.querySelector("[data-registration-type]:checked");
    document.querySelectorAll("[data-section]").forEach(function (section) {
      section.hidden = !chosen || section.getAttribute("data-section") !== chosen.value;
    });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", show); });
  show();
});
