// The board's views: presentation-mode keys, the print button and chart sizes for print.
// Served as a file from assets/ (no inline script), so a strict Content-Security-Policy can apply.
(function () {
    "use strict";

    // Presentation mode: the arrow keys (and PageUp/PageDown, which most clickers send) click the
    // on-screen Previous/Next links, so keyboard and buttons do exactly the same thing.
    var KEYS = {ArrowRight: "pres-next", PageDown: "pres-next", ArrowLeft: "pres-prev", PageUp: "pres-prev",
                Escape: "pres-exit"};

    function typing(el) {
        if (!el) { return false; }
        var tag = (el.tagName || "").toLowerCase();
        return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
    }

    document.addEventListener("keydown", function (event) {
        if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
        if (!document.getElementById("presentation-nav") || typing(document.activeElement)) { return; }
        var target = KEYS[event.key] && document.getElementById(KEYS[event.key]);
        if (target) {
            event.preventDefault();
            target.click();
        }
    });

    // "Skriv ut / spara som PDF".
    document.addEventListener("click", function (event) {
        var button = event.target.closest && event.target.closest(".print-button");
        if (button) { window.print(); }
    });

    // Print: Plotly draws at the screen width, so before printing each headline chart is redrawn at
    // the size of its column on an A4 landscape page (277 mm = 1047 CSS px between 10 mm margins),
    // with the legend below it; afterwards the screen layout comes back.
    var PAGE_WIDTH = 1047, GAP = 23, PRINT_HEIGHT = 265;
    var saved = [];

    function plotly() { return window.Plotly; }

    function shorten(text, limit) {
        var first = String(text || "").split("<br>")[0];
        if (first.length <= limit) { return first; }
        var out = "";
        first.split(" ").some(function (word) {
            if ((out + " " + word).trim().length > limit - 1) { return true; }
            out = (out + " " + word).trim();
            return false;
        });
        return (out || first.slice(0, limit - 1)) + "\u2026";
    }

    function beforePrint() {
        var P = plotly();
        if (!P || saved.length) { return; }
        document.querySelectorAll(".focus-print").forEach(function (section) {
            var charts = section.querySelectorAll(".print-chart .js-plotly-plot");
            var n = charts.length;
            if (!n) { return; }
            var width = Math.floor((PAGE_WIDTH - GAP * (n - 1)) / n);
            charts.forEach(function (gd) {
                var lay = gd.layout || {}, legend = lay.legend || {}, xaxis = lay.xaxis || {};
                var margin = lay.margin || {}, range = xaxis.range || [0, 10], span = range[1] - range[0];
                var full = gd._fullLayout || {};
                var before = {width: lay.width == null ? null : lay.width,
                              height: lay.height == null ? full.height : lay.height,
                              "legend.orientation": legend.orientation || "v", "legend.x": legend.x,
                              "legend.y": legend.y, "legend.font.size": (legend.font || {}).size,
                              "legend.itemwidth": legend.itemwidth || 30, "legend.tracegroupgap": legend.tracegroupgap,
                              "font.size": (lay.font || {}).size, "xaxis.dtick": xaxis.dtick, margin: margin};
                var update = {width: width, height: PRINT_HEIGHT, "legend.orientation": "h", "legend.x": 0,
                              "legend.y": -0.12, "legend.font.size": 8, "legend.itemwidth": 30,
                              "legend.tracegroupgap": 0, "font.size": 9,
                              "xaxis.dtick": span > 15 ? 5 : (span > 8 ? 2 : 1),
                              margin: {l: 45, r: 8, t: Math.min(margin.t || 30, 60), b: 20}};
                (lay.annotations || []).forEach(function (a, i) {
                    var name = String(a.name || ""), activity = name.indexOf("activity-") === 0;
                    if (!activity && name !== "empty") { return; }
                    before["annotations[" + i + "].text"] = a.text;
                    before["annotations[" + i + "].font.size"] = (a.font || {}).size;
                    update["annotations[" + i + "].text"] = activity ? shorten(a.text, 20) : a.text;
                    update["annotations[" + i + "].font.size"] = activity ? 8 : 10;
                });
                // dcc.Graph is responsive: it re-fits the plot to its container, so the container gets
                // the print size too.
                var box = gd.parentElement;
                saved.push({gd: gd, layout: before, style: box.style.cssText});
                box.style.width = width + "px";
                box.style.height = PRINT_HEIGHT + "px";
                // Plotly.update, not relayout: dcc.Graph answers a plotly_relayout event by redrawing the
                // figure it was given (screen size) at once, which would undo this before the snapshot.
                P.update(gd, {}, update);
            });
        });
    }

    function afterPrint() {
        var P = plotly();
        if (!P) { return; }
        saved.forEach(function (item) {
            item.gd.parentElement.style.cssText = item.style;
            P.update(item.gd, {}, item.layout);
        });
        saved = [];
    }

    window.addEventListener("beforeprint", beforePrint);
    window.addEventListener("afterprint", afterPrint);
    if (window.matchMedia) {
        window.matchMedia("print").addEventListener("change", function (mq) {
            if (mq.matches) { beforePrint(); } else { afterPrint(); }
        });
    }
}());
