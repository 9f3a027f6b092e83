// /explore/incidents/{id}: the server writes the whole record (app/explorer); the script
// only sends "back" to the explorer view the reader came from, when the browser says so.

const back = document.getElementById("back");
if (document.referrer.startsWith(`${window.location.origin}/explore?`)) back.href = document.referrer;
document.body.dataset.state = "ready";
