// The "Save to a collection" form (templates/_save.html): while a new collection's name is
// typed, the list of existing ones is set aside (the new name is what the form saves to).
// The form itself posts and comes back to the paper, with or without JavaScript: a save is
// done when the page shows it, so nothing can be lost by leaving the page at once.
(function () {
  "use strict";
  document.querySelectorAll("form.save-to-collection").forEach(function (form) {
    var input = form.querySelector('input[name="new_collection"]');
    var select = form.querySelector('select[name="collection"]');
    if (!input || !select) return;
    function update() {
      var typing = input.value.trim() !== "";
      select.classList.toggle("set-aside", typing);
      select.setAttribute("aria-disabled", String(typing));
    }
    input.addEventListener("input", update);
    update();
  });
})();
