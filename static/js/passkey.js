// Passkeys (WebAuthn): add one on the account page, sign in or confirm it's you with one.
// The server sends the options as JSON with base64url fields; this turns them into the
// ArrayBuffers the browser wants, and the browser's answer back into base64url JSON.
// Without WebAuthn (or JavaScript) the boxes stay hidden and passwords work as before.
(function () {
  "use strict";

  function toBytes(base64url) {
    var padded = base64url + "====".slice((base64url.length % 4) || 4);
    var raw = window.atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { out[i] = raw.charCodeAt(i); }
    return out.buffer;
  }

  function toText(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i += 1) { raw += String.fromCharCode(bytes[i]); }
    return window.btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return { type: d.type, id: toBytes(d.id), transports: d.transports };
    });
  }

  function creationOptions(o) {
    o.challenge = toBytes(o.challenge);
    o.user.id = toBytes(o.user.id);
    o.excludeCredentials = descriptors(o.excludeCredentials);
    return { publicKey: o };
  }

  function requestOptions(o) {
    o.challenge = toBytes(o.challenge);
    o.allowCredentials = descriptors(o.allowCredentials);
    return { publicKey: o };
  }

  // What every credential sends back, with the parts of its response that differ.
  function credential(c, response) {
    return {
      id: c.id, rawId: toText(c.rawId), type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || null,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: response
    };
  }

  function created(c) {
    var r = c.response;
    return credential(c, {
      clientDataJSON: toText(r.clientDataJSON),
      attestationObject: toText(r.attestationObject),
      transports: r.getTransports ? r.getTransports() : []
    });
  }

  function asserted(c) {
    var r = c.response;
    return credential(c, {
      clientDataJSON: toText(r.clientDataJSON),
      authenticatorData: toText(r.authenticatorData),
      signature: toText(r.signature),
      userHandle: toText(r.userHandle)
    });
  }

  function post(url, token, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (data.redirect && (response.ok || response.status === 401)) {
          window.location.assign(data.redirect);
          return null;
        }
        if (!response.ok) {
          throw new Error(data.error || "That didn't work just now. Please try again.");
        }
        return data;
      });
    });
  }

  function setUp(box, register) {
    var button = box.querySelector("[data-passkey-start]");
    var status = box.querySelector("[data-passkey-status]");
    var note = box.querySelector("[data-passkey-nojs]");
    var csrf = box.querySelector("input[name=csrf_token]");
    var token = csrf ? csrf.value : "";
    var page = box.getAttribute("data-page") || window.location.pathname;
    if (!window.PublicKeyCredential || !navigator.credentials) { return; }
    box.hidden = false;
    button.hidden = false;
    if (note) { note.hidden = true; }

    function say(text) { status.textContent = text; }

    button.addEventListener("click", function () {
      button.disabled = true;
      say(register ? "Follow what your device asks…" : "Waiting for your passkey…");
      post(box.getAttribute("data-options-url"), token, { page: page }).then(function (options) {
        if (!options) { return null; }
        return register
          ? navigator.credentials.create(creationOptions(options)).then(created)
          : navigator.credentials.get(requestOptions(options)).then(asserted);
      }).then(function (credential) {
        if (!credential) { return null; }
        var remember = document.getElementById("remember");
        return post(box.getAttribute("data-finish-url"), token, {
          credential: credential,
          page: page,
          next: box.getAttribute("data-next") || "",
          remember: Boolean(remember && remember.checked)
        });
      }).then(function (done) {
        if (done === null) { return; }
        button.disabled = false;
      }).catch(function (error) {
        button.disabled = false;
        say(error && error.name === "NotAllowedError"
          ? "That was cancelled or took too long. You can try again."
          : (error && error.message) || "That didn't work just now. Please try again.");
      });
    });
  }

  document.querySelectorAll("[data-passkey-register]").forEach(function (box) { setUp(box, true); });
  document.querySelectorAll("[data-passkey-signin]").forEach(function (box) { setUp(box, false); });
}());
