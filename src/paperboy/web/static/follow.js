// Follow and unfollow in place: a Follow form (templates/_follow.html) goes through the API
// instead (POST to follow, DELETE to unfollow) and the answer sets the button. Without
// JavaScript the form itself posts and comes back. Someone not signed in (401) is sent on by
// the form, as without JavaScript: to sign in.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form.follow") || !window.fetch) return;
    var button = form.querySelector("button.follow-btn");
    if (!button) return;
    e.preventDefault();
    if (button.getAttribute("aria-busy") === "true") return;
    var pressed = button.getAttribute("aria-pressed") === "true";
    button.setAttribute("aria-busy", "true");
    fetch(button.getAttribute("data-api"), {
      method: pressed ? "DELETE" : "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": meta ? meta.getAttribute("content") : "", "Accept": "application/json" }
    }).then(function (r) {
      if (r.status === 401) { form.submit(); return null; }
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body && body.error ? body.error : "status " + r.status);
        return body;
      });
    }).then(function (body) {
      if (!body) return;
      var label = button.querySelector(".sr");
      button.setAttribute("aria-pressed", String(body.following));
      button.firstChild.nodeValue = body.following ? "Following" : "Follow";
      if (label) button.appendChild(label);
      form.action = form.action.replace(/\/(un)?follow$/, body.following ? "/unfollow" : "/follow");
    }).catch(function (err) {
      button.title = "Could not change the follow: " + err.message;
    }).then(function () {
      button.removeAttribute("aria-busy");
    });
  });
})();
