// The topic map (/topics): draws the points of /api/topics/map on the canvas, coloured by
// topic, with the topics' labels at their centres (the names come from the page's own list,
// so the map needs no second request). Drag pans, the wheel and the buttons zoom, pointing at
// a dot shows its title (read from /api/papers/{id} once), a click opens the paper. A
// signed-in member's own papers are ringed and their For you picks drawn as diamonds
// (/api/topics/map/mine), each named in the legend with its count; ?q= marks the papers a
// search finds (/api/papers/search). A hub with more papers than the page draws shades
// where all of them are beneath the sample (/api/topics/map/density). No library: one canvas.
(function () {
  "use strict";
  var canvas = document.getElementById("topic-map");
  if (!canvas || !canvas.getContext) return;
  var ctx = canvas.getContext("2d");
  var tip = document.getElementById("topic-map-tip");
  var W = canvas.width, H = canvas.height, MARGIN = 24, NEAR = 9;
  var pts = [], mine = {}, picks = {}, hits = {}, titles = {}, names = {}, centres = [];
  var fit = { s: 1, x0: 0, y0: 0 }, view = { s: 1, tx: 0, ty: 0 };
  var hover = -1, drag = null, dens = null;

  document.querySelectorAll("#topic-list li[data-topic]").forEach(function (li) {
    var a = li.querySelector("a");
    names[li.getAttribute("data-topic")] = a ? a.textContent : "";
  });

  var PICK = getComputedStyle(canvas).getPropertyValue("--pick").trim() || "#d0006f";

  function colour(topic) { return "hsl(" + ((topic * 137.508) % 360).toFixed(1) + ", 62%, 52%)"; }
  function sx(p) { return (MARGIN + (p.x - fit.x0) * fit.s) * view.s + view.tx; }
  function sy(p) { return (H - MARGIN - (p.y - fit.y0) * fit.s) * view.s + view.ty; }

  function layout() {
    if (!pts.length) return;
    var minx = Infinity, maxx = -Infinity, miny = Infinity, maxy = -Infinity;
    if (dens && dens.cells.length) { minx = dens.x0; maxx = dens.x1; miny = dens.y0; maxy = dens.y1; }
    pts.forEach(function (p) {
      if (p.x < minx) minx = p.x; if (p.x > maxx) maxx = p.x;
      if (p.y < miny) miny = p.y; if (p.y > maxy) maxy = p.y;
    });
    fit.s = Math.min((W - 2 * MARGIN) / Math.max(maxx - minx, 1e-6), (H - 2 * MARGIN) / Math.max(maxy - miny, 1e-6));
    fit.x0 = minx - ((W - 2 * MARGIN) / fit.s - (maxx - minx)) / 2;
    fit.y0 = miny - ((H - 2 * MARGIN) / fit.s - (maxy - miny)) / 2;
    var acc = {};
    pts.forEach(function (p) {
      var c = acc[p.topic] || (acc[p.topic] = { topic: p.topic, x: 0, y: 0, n: 0 });
      c.x += p.x; c.y += p.y; c.n += 1;
    });
    centres = Object.keys(acc).map(function (k) { var c = acc[k]; return { topic: c.topic, x: c.x / c.n, y: c.y / c.n, n: c.n }; })
      .sort(function (a, b) { return b.n - a.n; });
  }

  function draw() {
    var fg = getComputedStyle(document.body).color;
    ctx.clearRect(0, 0, W, H);
    if (dens && dens.cells.length) {  // beneath the sample: every paper, counted on a grid
      var cw = (dens.x1 - dens.x0) / dens.nx, ch = (dens.y1 - dens.y0) / dens.ny, most = 1;
      dens.cells.forEach(function (c) { if (c[2] > most) most = c[2]; });
      dens.cells.forEach(function (c) {
        var a = { x: dens.x0 + c[0] * cw, y: dens.y0 + c[1] * ch }, b = { x: a.x + cw, y: a.y + ch };
        ctx.fillStyle = "rgba(127, 127, 127, " + (0.06 + 0.5 * Math.sqrt(c[2] / most)).toFixed(3) + ")";
        ctx.fillRect(sx(a), sy(b), sx(b) - sx(a) + 0.5, sy(a) - sy(b) + 0.5);
      });
    }
    var r = Math.max(1.2, Math.min(4, 1.6 * Math.sqrt(view.s)));
    pts.forEach(function (p) {
      ctx.fillStyle = hits[p.id] ? fg : colour(p.topic);
      ctx.fillRect(sx(p) - r / 2, sy(p) - r / 2, r, r);
    });
    ctx.lineWidth = 1.5;
    pts.forEach(function (p) {
      if (!mine[p.id] && !hits[p.id]) return;
      ctx.strokeStyle = fg;
      ctx.beginPath(); ctx.arc(sx(p), sy(p), mine[p.id] ? 5 : 3, 0, 2 * Math.PI); ctx.stroke();
    });
    ctx.lineWidth = 2;
    pts.forEach(function (p) {  // For you picks: a diamond in the --pick colour, over everything
      if (!picks[p.id]) return;
      var x = sx(p), y = sy(p);
      ctx.strokeStyle = PICK;
      ctx.beginPath(); ctx.moveTo(x, y - 7); ctx.lineTo(x + 7, y); ctx.lineTo(x, y + 7); ctx.lineTo(x - 7, y);
      ctx.closePath(); ctx.stroke();
    });
    var shown = Math.round(14 * view.s);
    ctx.font = "12px system-ui, sans-serif"; ctx.textAlign = "center"; ctx.lineWidth = 3;
    centres.slice(0, shown).forEach(function (c) {
      var label = names[c.topic];
      if (!label) return;
      var x = sx(c), y = sy(c);
      ctx.strokeStyle = getComputedStyle(document.body).backgroundColor; ctx.strokeText(label, x, y);
      ctx.fillStyle = fg; ctx.fillText(label, x, y);
    });
    if (hover >= 0) {
      var h = pts[hover];
      ctx.strokeStyle = fg; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(sx(h), sy(h), 6, 0, 2 * Math.PI); ctx.stroke();
    }
  }

  function at(ev) {  // the event's position in the canvas's own pixels
    var box = canvas.getBoundingClientRect();
    return { x: (ev.clientX - box.left) * W / box.width, y: (ev.clientY - box.top) * H / box.height };
  }

  function nearest(pos) {
    var best = -1, bestD = NEAR * NEAR;
    for (var i = 0; i < pts.length; i++) {
      var dx = sx(pts[i]) - pos.x, dy = sy(pts[i]) - pos.y, d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  }

  function showTitle(i) {
    if (i < 0) { tip.textContent = ""; return; }
    var p = pts[i], topic = names[p.topic] ? " (" + names[p.topic] + ")" : "";
    if (titles[p.id]) { tip.textContent = titles[p.id] + topic; return; }
    tip.textContent = p.id + topic;
    fetch("/api/papers/" + encodeURIComponent(p.id), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j) return;
        titles[p.id] = j.title || (j.paper && j.paper.title) || p.id;
        if (hover === i) tip.textContent = titles[p.id] + topic;
      }).catch(function () {});
  }

  function zoom(factor, pos) {
    pos = pos || { x: W / 2, y: H / 2 };
    var s = Math.max(0.5, Math.min(60, view.s * factor));
    factor = s / view.s;
    view.tx = pos.x - (pos.x - view.tx) * factor;
    view.ty = pos.y - (pos.y - view.ty) * factor;
    view.s = s;
    draw();
  }

  canvas.addEventListener("pointerdown", function (ev) {
    drag = { at: at(ev), tx: view.tx, ty: view.ty, moved: false };
    canvas.setPointerCapture(ev.pointerId);
  });
  canvas.addEventListener("pointermove", function (ev) {
    var pos = at(ev);
    if (drag) {
      var dx = pos.x - drag.at.x, dy = pos.y - drag.at.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) { view.tx = drag.tx + dx; view.ty = drag.ty + dy; draw(); return; }
    }
    var i = nearest(pos);
    if (i !== hover) { hover = i; canvas.style.cursor = i >= 0 ? "pointer" : "grab"; showTitle(i); draw(); }
  });
  canvas.addEventListener("pointerup", function (ev) {
    var was = drag; drag = null;
    if (was && !was.moved) {
      var i = nearest(at(ev));
      if (i >= 0) window.location.href = "/papers/" + encodeURIComponent(pts[i].id);
    }
  });
  canvas.addEventListener("pointerleave", function () { if (!drag && hover >= 0) { hover = -1; showTitle(-1); draw(); } });
  canvas.addEventListener("wheel", function (ev) { ev.preventDefault(); zoom(ev.deltaY < 0 ? 1.25 : 0.8, at(ev)); }, { passive: false });
  document.querySelectorAll("button[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var f = parseFloat(b.getAttribute("data-zoom"));
      if (f) zoom(f); else { view = { s: 1, tx: 0, ty: 0 }; draw(); }
    });
  });

  function legend(kind, n) {  // the legend's line for the member's papers or picks, with its count
    var li = document.getElementById("legend-" + kind);
    if (!li || !n) return;
    li.querySelector(".n").textContent = String(n);
    li.hidden = false;
  }

  function json(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
  }

  var densUrl = canvas.getAttribute("data-density");
  Promise.all([json(canvas.getAttribute("data-points")), densUrl ? json(densUrl) : null]).then(function (got) {
    var list = got[0];
    dens = got[1];
    pts = list || [];
    layout(); draw();
    canvas.setAttribute("data-ready", String(pts.length));
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token && token.content) {
      json(canvas.getAttribute("data-mine")).then(function (j) {
        (j && j.ids || []).forEach(function (id) { mine[id] = true; });
        (j && j.picks || []).forEach(function (id) { picks[id] = true; });
        legend("mine", j ? (j.ids || []).length : 0);
        legend("picks", j ? (j.picks || []).length : 0);
        draw();
        canvas.setAttribute("data-marked", "true");
      });
    }
    var q = canvas.getAttribute("data-q");
    if (q) {
      json("/api/papers/search?limit=100&q=" + encodeURIComponent(q)).then(function (items) {
        (items || []).forEach(function (it) { var id = it.paper ? it.paper.id : it.id; if (id) hits[id] = true; });
        draw();
      });
    }
  });

  // For tests and scripts: where a point is drawn, in the page's coordinates.
  window.topicMap = {
    points: function () { return pts; },
    shaded: function () { return dens ? dens.cells.length : 0; },
    marked: function () { return { mine: Object.keys(mine).sort(), picks: Object.keys(picks).sort() }; },
    screenOf: function (i) {
      var box = canvas.getBoundingClientRect(), p = pts[i];
      return { id: p.id, x: box.left + sx(p) * box.width / W, y: box.top + sy(p) * box.height / H };
    }
  };
})();
