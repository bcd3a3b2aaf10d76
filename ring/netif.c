#include <xfront/ring.h>
