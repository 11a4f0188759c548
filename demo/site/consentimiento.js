// The demo site's cookie banner, as TrainerERP's writes it: `tr_consent=marketing=granted|denied`
// (URL-encoded), which the edge reads before it tracks anyone (opt-in: no answer, no tracking).
// Accepting reloads the page so that the edge sees this very visit with consent: the page view
// counts and the ad's click ids in the address (gclid, fbclid, ttclid) are kept.
(function () {
  var NAME = 'tr_consent';
  var banner = document.getElementById('consentimiento');
  if (!banner) return;
  var answered = document.cookie.split('; ').some(function (c) { return c.indexOf(NAME + '=') === 0; });
  banner.hidden = answered;
  function answer(value) {
    document.cookie = NAME + '=' + encodeURIComponent('marketing=' + value) + '; path=/; max-age=31536000; SameSite=Lax';
    banner.hidden = true;
  }
  document.getElementById('aceptar').addEventListener('click', function () {
    answer('granted');
    location.reload();
  });
  document.getElementById('rechazar').addEventListener('click', function () { answer('denied'); });
})();
