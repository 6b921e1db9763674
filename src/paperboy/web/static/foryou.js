// For you (templates/foryou.html): "Not interested" in place. The form posts through the
// API instead (X-CSRF-Token), the pick leaves the page at once and an "Undo" link puts it
// back (DELETE). Without JavaScript the form itself does it and comes back to the page.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');

  function call(method, id) {
    return fetch("/api/recommendations/" + encodeURI(id) + "/not-interested", {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": meta ? meta.getAttribute("content") : "", "Accept": "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) {
          var err = new Error(body && body.error ? body.error : "status " + r.status);
          err.status = r.status;
          throw err;
        }
        return body;
      });
    });
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form.not-interested") || !window.fetch) return;
    var pick = form.closest(".pick");
    if (!pick) return;
    e.preventDefault();
    var id = pick.getAttribute("data-paper");
    var button = form.querySelector("button");
    if (button) button.disabled = true;
    call("POST", id).then(function () {
      var note = document.createElement("p");
      note.className = "pick-removed notice";
      note.setAttribute("role", "status");
      note.textContent = "Removed from your picks. ";
      var undo = document.createElement("a");
      undo.href = "#";
      undo.className = "undo";
      undo.textContent = "Undo";
      note.appendChild(undo);
      pick.replaceWith(note);  // out of the page at once; kept here for Undo
      undo.addEventListener("click", function (ev) {
        ev.preventDefault();
        call("DELETE", id).then(function () {
          note.replaceWith(pick);
          if (button) button.disabled = false;
        }).catch(function (err) {
          undo.textContent = "Undo (failed: " + err.message + ")";
        });
      });
    }).catch(function (err) {
      if (err.status === 401) { form.submit(); return; }  // signed out meanwhile: as without JavaScript
      if (button) { button.disabled = false; button.title = "Not done: " + err.message; }
    });
  });
})();
