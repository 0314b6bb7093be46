package rest

func (h *Handler) trashRoutes() {}
