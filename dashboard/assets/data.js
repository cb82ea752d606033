// /data: the page rewrites its own address (dcc.Location refresh=False) when a filter changes; keep
// the header's language link pointing at the selection on screen, not at the address opened.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    mlr_data: {
        syncLangSwitch: function (search) {
            var link = document.getElementById("lang-switch");
            if (link && window.location.pathname === "/data") {
                var params = new URLSearchParams(search || "");
                if (params.get("lang") === "en") {
                    params.delete("lang");
                } else {
                    params.set("lang", "en");
                }
                var query = params.toString().replace(/%2C/g, ",");
                link.setAttribute("href", "/data" + (query ? "?" + query : ""));
            }
            return window.dash_clientside.no_update;
        },
        // /om: scroll to the section named in the address once the page has rendered it.
        scrollToHash: function () {
            var id = decodeURIComponent((window.location.hash || "").slice(1));
            var target = id && document.getElementById(id);
            if (target) {
                setTimeout(function () { target.scrollIntoView(); }, 50);
            }
            return window.dash_clientside.no_update;
        }
    }
});
