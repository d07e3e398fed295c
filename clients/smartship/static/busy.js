// A form marked data-busy-form is sent once: on submit its button says what is happening
// (data-busy-label), the form is aria-busy, its status line (data-busy-status, a live region)
// reads its data-busy-text, and any further submit (a double click) is dropped. Without JavaScript the form posts as usual;
// the server is safe against a second post either way.
(function () {
  function lock(form, submitter) {
    var button = submitter && submitter.hasAttribute("data-busy-label")
      ? submitter : form.querySelector("[data-busy-label]");
    form.setAttribute("aria-busy", "true");
    if (button) {
      button.setAttribute("data-idle-label", button.textContent);
      button.textContent = button.getAttribute("data-busy-label");
    }
    // A live region already on the page: filling it is announced.
    var status = form.querySelector("[data-busy-status]");
    if (status) status.textContent = status.getAttribute("data-busy-text");
    // Disabled after this event: a disabled button would be left out of the form's data.
    setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (each) {
        each.disabled = true;
      });
    }, 0);
  }

  function unlock(form) {
    form.removeAttribute("aria-busy");
    delete form.dataset.sending;
    form.querySelectorAll("[data-idle-label]").forEach(function (button) {
      button.textContent = button.getAttribute("data-idle-label");
      button.removeAttribute("data-idle-label");
    });
    form.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
    var status = form.querySelector("[data-busy-status]");
    if (status) status.textContent = "";
    form.dispatchEvent(new Event("busy-form-reset"));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-busy-form")) return;
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented) return;
    form.dataset.sending = "1";
    lock(form, event.submitter);
  });

  // Back to a page the browser kept (back button): the form works again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-busy-form][aria-busy]").forEach(unlock);
  });
})();
