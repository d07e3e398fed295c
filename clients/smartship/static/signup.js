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
  refresh();
});
