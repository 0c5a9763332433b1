/* ReDoc's bundle draws the Redocly logo in its menu from cdn.redoc.ly, with no option to turn it off.
   Loaded before the bundle (templates/api/redoc.html), this keeps that one image on this host: an <img> whose
   src is set to the CDN gets an empty local image instead, so /api/redoc/ asks no other host. */
(function () {
  "use strict";
  var CDN = "https://cdn.redoc.ly/";
  var EMPTY = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E";
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && name === "src" && String(value).indexOf(CDN) === 0) value = EMPTY;
    return setAttribute.call(this, name, value);
  };
  var desc = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    get: desc.get,
    set: function (value) { desc.set.call(this, String(value).indexOf(CDN) === 0 ? EMPTY : value); },
  });
})();
