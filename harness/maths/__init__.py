"""Reading displayed maths: an equation's facts (symbols, operators, exponents, relation) off pylatexenc's parse, and
the LaTeX vocabulary they are named by. Gold checking, the judge's tools and the paper loader's glossary read here.
May import: nothing else of harness."""
