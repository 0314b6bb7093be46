package rest

func (h *Handler) uploadRoutes() {}
