"""``python3 -m ccnorm.casestudy``: see ccnorm.casestudy.runner."""
import sys

from .runner import main

sys.exit(main())
