// /jamfor: the page rewrites its own address (dcc.Location refresh=False); keep the header's
// language link pointing at the view on screen, not at the address the page was opened with.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    mlr_compare: {
        syncLangSwitch: function (search) {
            var link = document.getElementById("lang-switch");
            if (link && window.location.pathname === "/jamfor") {
                var params = new URLSearchParams(search || "");
                if (params.get("lang") === "en") {
                    params.delete("lang");
                } else {
                    params.set("lang", "en");
                }
                var query = params.toString().replace(/%2C/g, ",");
                link.setAttribute("href", window.location.pathname + (query ? "?" + query : ""));
            }
            return window.dash_clientside.no_update;
        }
    }
});
