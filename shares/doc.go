// Package shares is the one model of share links (download links) and
// deposit links (upload links): what a link grants, to whom it belongs, its
// limits, and what an outsider who opens it may do. Every front end of
// links (the NetExplorer-style /api/share, /api/sharelink and /api/ulink,
// the ConformVault-style /api/v1/.../share-links and the public /s/{token}
// routes and pages) goes through it.
//
// # Keys
//
// A link is reached by its key (the "token"): 32 random bytes in hex, shown
// once, at creation. Only its SHA-256 is stored; a visit looks the hash up,
// then compares it in constant time with the record's. Keys are not
// guessable and not recoverable: a lost key means a new link.
//
// # What a visitor may do
//
// A visit acts through the namespace as a principal confined to the link's
// targets (storage.Principal.Root), holding at most: Browse, Read and
// Download for a download link (Browse and Read when it is preview only),
// plus Write where it allows uploads; Write alone for a deposit link. Those
// rights are also bounded, at each visit, by what the owner holds on the
// target now: a link whose owner lost the Share right there serves nothing.
// A file target is reached through its folder, and the visit allows that
// one file only.
//
// A link may require a password (Argon2id, checked with the logins'
// back-off per link and address), then hands out an access token valid for
// two hours; and a consent (Quebec's Loi 25) to a versioned text, then hands
// out a consent token. Downloads are counted atomically against the
// maximum; expired, exhausted and disabled links stay listed but serve
// nothing. Every access, download, upload, password failure and consent is
// an audit entry (share_link_access, share_link_download, share_link_upload,
// consent_accepted) and a statistics event of the link.
//
// # Storage
//
// Everything lives in the metadata store under the w/ prefix, which this
// package alone reads and writes (see storage/meta/doc.go). IDs are 8-byte
// big-endian.
//
//	w/l/<id>                    the link (JSON), with the key's SHA-256 and the password's hash
//	w/k/<sha-256 of key>        link ID
//	w/o/<owner id>\x00<id>      empty: a user's links
//	w/c/<client id>\x00<id>     empty: a client's links
//	w/e/<id><event id>          statistics event (JSON): date, action, address, browser
//	w/t/<sha-256 of token>      access or consent token (JSON): link, kind, expiry
//	w/s/last                    8 bytes: the last link or event ID handed out
//
// Changes of one link are serialised by a mutex (the download counter is
// read, checked and written under it) and committed in one batch with
// their audit entry.
package shares
