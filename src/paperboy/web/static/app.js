// A little JavaScript that only improves pages that work without it.
(function () {
  "use strict";
  // Abstracts are clamped to a few lines; a button expands one in place.
  document.querySelectorAll(".abstract.clamp").forEach(function (p) {
    if (p.scrollHeight <= p.clientHeight + 2) return;
    var b = document.createElement("button");
    b.type = "button";
    b.className = "more";
    b.textContent = "Show more";
    b.setAttribute("aria-expanded", "false");
    b.addEventListener("click", function () {
      var open = p.classList.toggle("open");
      b.textContent = open ? "Show less" : "Show more";
      b.setAttribute("aria-expanded", String(open));
    });
    // into the existing links row, so adding it shifts nothing
    var row = p.parentNode.querySelector(".links");
    if (row) row.insertBefore(b, row.firstChild); else p.after(b);
  });
  // j / k move between papers, like a feed reader.
  document.addEventListener("keydown", function (e) {
    if (e.target.closest("input, textarea, select") || e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key !== "j" && e.key !== "k") return;
    var links = Array.prototype.slice.call(document.querySelectorAll(".card a.title"));
    if (!links.length) return;
    var i = links.indexOf(document.activeElement);
    i = e.key === "j" ? Math.min(i + 1, links.length - 1) : Math.max(i - 1, 0);
    links[i].focus();
    links[i].closest(".card").scrollIntoView({ block: "nearest" });
    e.preventDefault();
  });
})();
// A toggle in place (an upvote, a follow): the form's button asks the API instead of posting
// the form (POST to turn on, DELETE to turn off, the form token in a header), and the answer
// sets the page (``apply``). Without JavaScript the form itself posts and comes back. Someone
// not signed in (401) is sent on by the form, as without JavaScript: to sign in. One request
// per button at a time (aria-busy); a refusal is told in the button's title.
window.paperboyToggle = function (form, button, url, apply, refused) {
  "use strict";
  if (button.getAttribute("aria-busy") === "true") return;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var pressed = button.getAttribute("aria-pressed") === "true";
  button.setAttribute("aria-busy", "true");
  fetch(url, {
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
    if (body) apply(body);
  }).catch(function (err) {
    button.title = refused + err.message;
  }).then(function () {
    button.removeAttribute("aria-busy");
  });
};
// Upvotes in place (templates/_vote.html): the answer sets the count and the pressed state of
// every button of that paper on the page (a paper can be listed twice).
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form.vote") || !window.fetch) return;
    var button = form.querySelector("button.vote-btn");
    if (!button) return;
    e.preventDefault();
    var id = button.getAttribute("data-vote");
    window.paperboyToggle(form, button, "/api/papers/" + encodeURI(id) + "/upvote", function (body) {
      document.querySelectorAll("button.vote-btn").forEach(function (b) {
        if (b.getAttribute("data-vote") !== id) return;
        b.setAttribute("aria-pressed", String(body.upvoted));
        b.classList.toggle("voted", body.upvoted);
        var count = b.querySelector("b");
        if (count) count.textContent = String(body.upvotes);
      });
      document.querySelectorAll("[data-community]").forEach(function (s) {
        if (s.getAttribute("data-community") === id) s.textContent = String(body.communityUpvotes);
      });
    }, "Not counted: ");
  });
})();
