from ninja import Router

router = Router(tags=["晨午检"])
