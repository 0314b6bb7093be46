package rest

func (h *Handler) folderRoutes() {}
