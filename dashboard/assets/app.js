// Clientside callbacks served as a file (no inline script, so a strict CSP can apply).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    mlr: {
        setLang: function (search) {
            var params = new URLSearchParams(search || "");
            var lang = params.get("lang") === "en" ? "en" : "sv";
            document.documentElement.lang = lang;
            return lang;
        }
    }
});
