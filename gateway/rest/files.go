package rest

func (h *Handler) fileRoutes() {}
