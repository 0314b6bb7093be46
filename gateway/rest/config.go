package rest

func (h *Handler) configRoutes() {}
