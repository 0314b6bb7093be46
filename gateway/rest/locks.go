package rest

func (h *Handler) lockRoutes() {}
