// Package web serves share and deposit links to the people who open them,
// under /s/{token}: pages for a browser and JSON for API clients, over the
// links of package shares (a link key in, a visit confined to the link's
// files out). Nothing here reaches a namespace of its own.
//
// # Routes
//
//	GET  /s/{token}                  the link: JSON information, or the page (consent, password, files, upload)
//	GET  /s/{token}/consent-text     {text, version, required}, or the consent page
//	POST /s/{token}/accept-consent   {consent_token}; from the page's form, a cookie and back to the link
//	POST /s/{token}/password         {access_token}; from the page's form, a cookie and back to the link
//	GET  /s/{token}/encryption-info  what protects the content, at rest and in transit
//	GET  /s/{token}/download         the file, or a ZIP of the link's folders and files (streamed)
//	POST /s/{token}/upload           multipart, one or more parts named file (?folder= or a folder field)
//	GET  /s/{token}/files            the link's files and folders (?folder= below, ?after= next page)
//	GET  /s/{token}/files/{fileId}   one file's or folder's description; ?download=1 its content (a folder as ZIP)
//	GET  /s/_/app.css, /s/_/app.js   the pages' assets, embedded in the binary
//
// A request gets JSON when its Accept header prefers application/json to
// HTML, and a POST also when it does not ask for HTML; otherwise a page.
// Pages are French unless Accept-Language prefers English.
//
// # Credentials
//
// Where a link requires them, listing, downloading and uploading need the
// consent first, then the password. API clients send X-Consent-Token (the
// consent_token of accept-consent) and either X-Share-Password (then the
// answer carries X-Share-Token, an access token valid two hours) or
// X-Share-Token. Pages keep the same tokens, never the password, in
// HttpOnly, SameSite=Strict cookies scoped to the link's path. Password
// attempts go through the logins' back-off (429 with Retry-After).
//
// # Browser safety
//
// Every answer carries a strict Content-Security-Policy (only this
// origin's stylesheet and script, no inline code), nosniff, no referrer
// and no framing. Every POST a browser sends (one with an Origin or
// Sec-Fetch-Site header, or with one of the link's cookies) must carry the
// CSRF token of the page (form field csrf or header X-CSRF-Token), an HMAC
// under a per-process key of a random cookie; API clients, which hold no
// cookie, act only with the credentials they send. Names reach pages
// through html/template only.
package web
