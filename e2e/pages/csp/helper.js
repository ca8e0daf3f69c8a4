self.helperLoaded = true;
