package rest

import "net/http"

// routes registers every endpoint. Each group lives in its own file.
func (h *Handler) routes() {
	h.sessionRoutes()    // session.go: login and logout
	h.identityRoutes()   // identity.go: account, users, groups, connection options
	h.folderRoutes()     // folders.go: roots, folders, search, path, objectpath, ischildof, quotas
	h.fileRoutes()       // files.go: files, versions, downloads and tokens, zip
	h.uploadRoutes()     // upload.go: single, chunked and TUS uploads, raw new versions
	h.trashRoutes()      // trash.go
	h.lockRoutes()       // locks.go
	h.rightRoutes()      // rights.go
	h.logRoutes()        // logs.go: logs, activity
	h.configRoutes()     // config.go: publicconfig, config, fzen
	h.annotationRoutes() // annotations.go
	h.linkRoutes()       // links_common.go: share, sharelink and ulink links
	h.v1Routes()         // v1.go: the ConformVault-style /api/v1/ (clients, share links, admin, platform and billing settings)
	h.public("/api/", func(c *call) error { return fail(http.StatusNotFound, msgNoRoute) })
}

var msgNoRoute = text{"Cette adresse de l'API n'existe pas.", "No such API endpoint."}
