// Clientside callbacks served as a file (no inline script, so a strict CSP can apply).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    mlr: {
        setLang: function (search) {
            var params = new URLSearchParams(search || "");
            var lang = params.get("lang") === "en" ? "en" : "sv";
            document.documentElement.lang = lang;
            return lang;
        },
        // /jamfor and /data rewrite their own address (dcc.Location refresh=False) when a control
        // changes; keep the header's language link pointing at the view on screen, not at the
        // address the page was opened with.
        syncLangSwitch: function (search) {
            var link = document.getElementById("lang-switch");
            if (link) {
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
        },
        // /om: scroll to the section named in the address once the page has rendered it.
        scrollToHash: function () {
            var id = decodeURIComponent((window.location.hash || "").slice(1));
            var target = id && document.getElementById(id);
            if (target) {
                setTimeout(function () { target.scrollIntoView(); }, 50);
            }
            return window.dash_clientside.no_update;
        },
        // /jamfor: dcc.Dropdown (Dash 4) makes an aria-hidden input the tab stop and forwards focus to
        // its button; axe rightly flags a focusable aria-hidden element. Make the button itself the tab
        // stop and name it by its visible label too (otherwise only by its value or placeholder).
        dropdownA11y: function () {
            if (!window.mlrDropdownA11y) {
                var fix = function () {
                    document.querySelectorAll(".cmp-others-field input.dash-dropdown-focus-target").forEach(function (hidden) {
                        if (hidden.tabIndex !== -1) { hidden.tabIndex = -1; }
                        var button = hidden.nextElementSibling;
                        if (!button || button.tagName !== "BUTTON") { return; }
                        if (!button.disabled && button.tabIndex !== 0) { button.tabIndex = 0; }
                        var names = button.getAttribute("aria-labelledby") || "";
                        if (names.indexOf("cmp-others-label") !== 0) {
                            button.setAttribute("aria-labelledby", ("cmp-others-label " + names).trim());
                        }
                    });
                };
                new MutationObserver(fix).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                                  attributeFilter: ["tabindex", "aria-labelledby"]});
                window.mlrDropdownA11y = true;
                fix();
            }
            return window.dash_clientside.no_update;
        }
    }
});
