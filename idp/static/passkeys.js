// Passkeys at QSM: the browser half of the WebAuthn ceremonies (idp/passkeys/ceremonies.py).
// Options come from QSM as JSON with base64url strings; the browser API wants ArrayBuffers.
(function () {
  "use strict";

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var bytes = atob(base64);
    return Uint8Array.from(bytes, function (c) { return c.charCodeAt(0); }).buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer), binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function say(message) {
    var status = document.getElementById("passkey-status");
    if (status) status.textContent = message;
  }

  // The page's words for each message (data- attributes of the status line, translated by QSM),
  // else English.
  function words(name, english) {
    var status = document.getElementById("passkey-status");
    return (status && status.dataset[name]) || english;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, data: data };
      });
    });
  }

  function descriptors(list) {
    (list || []).forEach(function (item) { item.id = toBuffer(item.id); });
  }

  // A credential as JSON for the server: what every credential has, and ``response``, the fields
  // of its kind of response (registration or assertion).
  function credentialJSON(credential, response) {
    return {
      id: credential.id, rawId: toText(credential.rawId), type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults()
    };
  }

  function registrationJSON(credential) {
    var response = credential.response;
    return credentialJSON(credential, {
      clientDataJSON: toText(response.clientDataJSON),
      attestationObject: toText(response.attestationObject),
      transports: response.getTransports ? response.getTransports() : []
    });
  }

  function assertionJSON(credential) {
    var response = credential.response;
    return credentialJSON(credential, {
      clientDataJSON: toText(response.clientDataJSON),
      authenticatorData: toText(response.authenticatorData),
      signature: toText(response.signature),
      userHandle: response.userHandle ? toText(response.userHandle) : null
    });
  }

  function finish(result) {
    if (result.ok && result.data.redirect) {
      window.location.assign(result.data.redirect);
    } else {
      say(result.data.error || words("generic", "Something went wrong. Please try again."));
    }
  }

  // Adding a passkey (the page after the password was asked again).
  var create = document.getElementById("passkey-register");
  if (create) {
    create.addEventListener("click", function () {
      if (!window.PublicKeyCredential) { say(words("unsupported", "This browser cannot create passkeys.")); return; }
      var options = JSON.parse(document.getElementById("passkey-options").textContent);
      options.challenge = toBuffer(options.challenge);
      options.user.id = toBuffer(options.user.id);
      descriptors(options.excludeCredentials);
      create.disabled = true;
      say(words("follow", "Follow your browser's instructions to create the passkey..."));
      navigator.credentials.create({ publicKey: options }).then(function (credential) {
        return post(create.dataset.url, { name: create.dataset.name, credential: registrationJSON(credential) });
      }).then(finish).catch(function () {
        create.disabled = false;
        say(words("notCreated", "No passkey was created. You can try again."));
      });
    });
  }

  // Logging in: the button, and passkeys offered in the email field's autofill (conditional UI).
  var button = document.getElementById("passkey-login");
  if (button && window.PublicKeyCredential) {
    document.getElementById("passkey-login-box").hidden = false;
    var next = document.querySelector('input[name="next"]');
    var pending = null;

    var logIn = function (mediation) {
      if (pending) pending.abort();
      var controller = new AbortController();
      pending = controller;
      return post(button.dataset.optionsUrl).then(function (result) {
        if (!result.ok) throw new Error(result.data.error || words("unavailable", "Passkey login is not available."));
        var options = result.data;
        options.challenge = toBuffer(options.challenge);
        descriptors(options.allowCredentials);
        var request = { publicKey: options, signal: controller.signal };
        if (mediation) request.mediation = mediation;
        return navigator.credentials.get(request);
      }).then(function (credential) {
        say(words("checking", "Checking your passkey..."));
        return post(button.dataset.url, { credential: assertionJSON(credential), next: next ? next.value : "" });
      }).then(finish);
    };

    button.addEventListener("click", function () {
      button.disabled = true;
      logIn(null).catch(function (error) {
        if (error && error.name === "AbortError") return;
        say(error && error.message && error.name === "Error" ? error.message : words("notUsed", "No passkey was used. You can try again."));
      }).then(function () { button.disabled = false; });
    });

    if (PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
        if (available) logIn("conditional").catch(function () {});
      });
    }
  }
})();
