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
