// Follow and unfollow in place (templates/_follow.html), through the API as upvotes are
// (window.paperboyToggle in app.js, which every page loads): the answer sets the button and
// the form's no-JavaScript action.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form.follow") || !window.fetch || !window.paperboyToggle) return;
    var button = form.querySelector("button.follow-btn");
    if (!button) return;
    e.preventDefault();
    window.paperboyToggle(form, button, button.getAttribute("data-api"), function (body) {
      var label = button.querySelector(".sr");
      button.setAttribute("aria-pressed", String(body.following));
      button.firstChild.nodeValue = body.following ? "Following" : "Follow";
      if (label) button.appendChild(label);
      form.action = form.action.replace(/\/(un)?follow$/, body.following ? "/unfollow" : "/follow");
    }, "Could not change the follow: ");
  });
})();
